-- hostile: create_procedure_call
CREATE TABLE `t` (`a` int, `b` varchar(50));
INSERT INTO `t` VALUES (1,'ok');
CALL `lbr_canary`.`p`();
INSERT INTO `t` VALUES (2,'after');
