-- hostile: select_outfile
CREATE TABLE `t` (`a` int, `b` varchar(50));
INSERT INTO `t` VALUES (1,'ok');
SELECT * FROM `t` INTO OUTFILE '/tmp/lbr_evil_outfile';
INSERT INTO `t` VALUES (2,'after');
