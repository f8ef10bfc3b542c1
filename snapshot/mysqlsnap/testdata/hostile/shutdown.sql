-- hostile: shutdown
CREATE TABLE `t` (`a` int, `b` varchar(50));
INSERT INTO `t` VALUES (1,'ok');
SHUTDOWN;
INSERT INTO `t` VALUES (2,'after');
