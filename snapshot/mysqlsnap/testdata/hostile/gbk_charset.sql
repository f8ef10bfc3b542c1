-- hostile: gbk_charset
CREATE TABLE `t` (`a` int, `b` varchar(50));
INSERT INTO `t` VALUES (1,'ok');
SET NAMES gbk;
INSERT INTO `t` VALUES (2,'after');
