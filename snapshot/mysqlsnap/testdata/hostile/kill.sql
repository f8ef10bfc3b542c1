-- hostile: kill
CREATE TABLE `t` (`a` int, `b` varchar(50));
INSERT INTO `t` VALUES (1,'ok');
KILL CONNECTION 1;
INSERT INTO `t` VALUES (2,'after');
