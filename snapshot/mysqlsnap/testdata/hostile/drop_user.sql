-- hostile: drop_user
CREATE TABLE `t` (`a` int, `b` varchar(50));
INSERT INTO `t` VALUES (1,'ok');
DROP USER 'root'@'localhost';
INSERT INTO `t` VALUES (2,'after');
