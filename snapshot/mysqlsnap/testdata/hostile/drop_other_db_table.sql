-- hostile: drop_other_db_table
CREATE TABLE `t` (`a` int, `b` varchar(50));
INSERT INTO `t` VALUES (1,'ok');
DROP TABLE IF EXISTS `lbr_canary`.`c`;
INSERT INTO `t` VALUES (2,'after');
