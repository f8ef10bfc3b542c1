-- hostile: insert_select
CREATE TABLE `t` (`a` int, `b` varchar(50));
INSERT INTO `t` VALUES (1,'ok');
INSERT INTO `t` SELECT 4, `User` FROM `mysql`.`user`;
INSERT INTO `t` VALUES (2,'after');
