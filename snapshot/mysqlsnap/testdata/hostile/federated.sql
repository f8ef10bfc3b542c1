-- hostile: federated
CREATE TABLE `t` (`a` int, `b` varchar(50));
INSERT INTO `t` VALUES (1,'ok');
CREATE TABLE `fed` (`a` int) ENGINE=FEDERATED CONNECTION='mysql://root@127.0.0.1:3306/lbr_canary/c';
INSERT INTO `t` VALUES (2,'after');
