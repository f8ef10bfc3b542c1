-- hostile: select_dumpfile
CREATE TABLE `t` (`a` int, `b` varchar(50));
INSERT INTO `t` VALUES (1,'ok');
SELECT 0x41 INTO DUMPFILE '/tmp/lbr_evil_dumpfile';
INSERT INTO `t` VALUES (2,'after');
