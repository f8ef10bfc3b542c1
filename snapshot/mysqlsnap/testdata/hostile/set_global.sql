-- hostile: set_global
CREATE TABLE `t` (`a` int, `b` varchar(50));
INSERT INTO `t` VALUES (1,'ok');
SET GLOBAL max_connections = 3;
INSERT INTO `t` VALUES (2,'after');
