-- hostile: insert_other_db
CREATE TABLE `t` (`a` int, `b` varchar(50));
INSERT INTO `t` VALUES (1,'ok');
INSERT INTO `lbr_canary`.`c` VALUES (666);
INSERT INTO `t` VALUES (2,'after');
