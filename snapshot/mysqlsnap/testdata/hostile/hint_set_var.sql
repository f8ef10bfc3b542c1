-- hostile: hint_set_var
CREATE TABLE `t` (`a` int, `b` varchar(50));
INSERT INTO `t` VALUES (1,'ok');
INSERT /*+ SET_VAR(sql_mode='NO_BACKSLASH_ESCAPES') */ INTO `t` VALUES (3,'x');
INSERT INTO `t` VALUES (2,'after');
