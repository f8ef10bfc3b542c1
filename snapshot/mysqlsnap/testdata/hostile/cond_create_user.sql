-- hostile: cond_create_user
CREATE TABLE `t` (`a` int, `b` varchar(50));
INSERT INTO `t` VALUES (1,'ok');
/*!40101 CREATE USER 'lbr_evil'@'%' */;
INSERT INTO `t` VALUES (2,'after');
