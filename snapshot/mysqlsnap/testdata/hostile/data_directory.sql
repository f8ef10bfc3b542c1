-- hostile: data_directory
CREATE TABLE `t` (`a` int, `b` varchar(50));
INSERT INTO `t` VALUES (1,'ok');
CREATE TABLE `evil` (`a` int) DATA DIRECTORY='/tmp/lbr_evil_dir';
INSERT INTO `t` VALUES (2,'after');
