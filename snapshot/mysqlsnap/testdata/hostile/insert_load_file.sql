-- hostile: insert_load_file
CREATE TABLE `t` (`a` int, `b` varchar(50));
INSERT INTO `t` VALUES (1,'ok');
INSERT INTO `t` VALUES (3, LOAD_FILE('/etc/passwd'));
INSERT INTO `t` VALUES (2,'after');
