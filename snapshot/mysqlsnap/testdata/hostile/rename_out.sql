-- hostile: rename_out
CREATE TABLE `t` (`a` int, `b` varchar(50));
INSERT INTO `t` VALUES (1,'ok');
RENAME TABLE `t` TO `lbr_canary`.`t`;
INSERT INTO `t` VALUES (2,'after');
