-- hostile: load_data
CREATE TABLE `t` (`a` int, `b` varchar(50));
INSERT INTO `t` VALUES (1,'ok');
LOAD DATA LOCAL INFILE '/etc/passwd' INTO TABLE `t`;
INSERT INTO `t` VALUES (2,'after');
