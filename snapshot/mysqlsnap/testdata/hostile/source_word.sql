-- hostile: source_word
CREATE TABLE `t` (`a` int, `b` varchar(50));
INSERT INTO `t` VALUES (1,'ok');
source /etc/passwd;
INSERT INTO `t` VALUES (2,'after');
