-- hostile: set_at_global
CREATE TABLE `t` (`a` int, `b` varchar(50));
INSERT INTO `t` VALUES (1,'ok');
SET @@global.max_connections = 3;
INSERT INTO `t` VALUES (2,'after');
