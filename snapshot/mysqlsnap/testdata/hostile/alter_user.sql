-- hostile: alter_user
CREATE TABLE `t` (`a` int, `b` varchar(50));
INSERT INTO `t` VALUES (1,'ok');
ALTER USER 'root'@'localhost' IDENTIFIED BY 'pwned';
INSERT INTO `t` VALUES (2,'after');
