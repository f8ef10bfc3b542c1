-- hostile: split_grant
CREATE TABLE `t` (`a` int, `b` varchar(50));
INSERT INTO `t` VALUES (1,'ok');
GRANT
  ALL PRIVILEGES
  ON *.*
  TO 'lbr_evil'@'%'
  IDENTIFIED BY 'x';
INSERT INTO `t` VALUES (2,'after');
