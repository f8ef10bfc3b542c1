-- hostile: cond_mariadb_only
CREATE TABLE `t` (`a` int, `b` varchar(50));
INSERT INTO `t` VALUES (1,'ok');
/*M!100000 CREATE USER 'lbr_evil'@'%' */;
INSERT INTO `t` VALUES (2,'after');
