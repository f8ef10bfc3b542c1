-- hostile: create_user
CREATE TABLE `t` (`a` int, `b` varchar(50));
INSERT INTO `t` VALUES (1,'ok');
CREATE USER 'lbr_evil'@'%' IDENTIFIED BY 'x';
INSERT INTO `t` VALUES (2,'after');
