-- hostile: set_password
CREATE TABLE `t` (`a` int, `b` varchar(50));
INSERT INTO `t` VALUES (1,'ok');
SET PASSWORD FOR 'root'@'localhost' = PASSWORD('pwned');
INSERT INTO `t` VALUES (2,'after');
