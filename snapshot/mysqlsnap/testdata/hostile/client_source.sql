-- hostile: client_source
CREATE TABLE `t` (`a` int, `b` varchar(50));
INSERT INTO `t` VALUES (1,'ok');
\. /etc/passwd
INSERT INTO `t` VALUES (2,'after');
