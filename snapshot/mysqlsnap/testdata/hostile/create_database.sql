-- hostile: create_database
CREATE TABLE `t` (`a` int, `b` varchar(50));
INSERT INTO `t` VALUES (1,'ok');
CREATE DATABASE `lbr_evil_db`;
INSERT INTO `t` VALUES (2,'after');
