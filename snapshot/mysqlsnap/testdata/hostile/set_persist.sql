-- hostile: set_persist
CREATE TABLE `t` (`a` int, `b` varchar(50));
INSERT INTO `t` VALUES (1,'ok');
SET PERSIST max_connections = 3;
INSERT INTO `t` VALUES (2,'after');
