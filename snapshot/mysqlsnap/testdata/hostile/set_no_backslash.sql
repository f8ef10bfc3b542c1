-- hostile: set_no_backslash
CREATE TABLE `t` (`a` int, `b` varchar(50));
INSERT INTO `t` VALUES (1,'ok');
SET sql_mode='NO_BACKSLASH_ESCAPES';
INSERT INTO `t` VALUES (2,'after');
