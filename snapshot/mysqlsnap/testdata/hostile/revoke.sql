-- hostile: revoke
CREATE TABLE `t` (`a` int, `b` varchar(50));
INSERT INTO `t` VALUES (1,'ok');
REVOKE ALL PRIVILEGES ON *.* FROM 'root'@'localhost';
INSERT INTO `t` VALUES (2,'after');
