-- hostile: system_word
CREATE TABLE `t` (`a` int, `b` varchar(50));
INSERT INTO `t` VALUES (1,'ok');
system touch /tmp/lbr_evil_system;
INSERT INTO `t` VALUES (2,'after');
