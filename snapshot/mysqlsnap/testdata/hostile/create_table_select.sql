-- hostile: create_table_select
CREATE TABLE `t` (`a` int, `b` varchar(50));
INSERT INTO `t` VALUES (1,'ok');
CREATE TABLE `leak` (`u` text) SELECT `User` AS `u` FROM `mysql`.`user`;
INSERT INTO `t` VALUES (2,'after');
