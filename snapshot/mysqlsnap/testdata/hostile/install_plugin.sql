-- hostile: install_plugin
CREATE TABLE `t` (`a` int, `b` varchar(50));
INSERT INTO `t` VALUES (1,'ok');
INSTALL PLUGIN lbr_evil SONAME 'ha_example.so';
INSERT INTO `t` VALUES (2,'after');
