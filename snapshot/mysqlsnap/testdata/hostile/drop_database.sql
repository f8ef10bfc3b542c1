-- hostile: drop_database
CREATE TABLE `t` (`a` int, `b` varchar(50));
INSERT INTO `t` VALUES (1,'ok');
DROP DATABASE `lbr_canary`;
INSERT INTO `t` VALUES (2,'after');
