/*M!999999\- enable the sandbox mode */ 
-- MariaDB dump 10.19-11.4.2-MariaDB, for debian-linux-gnu (x86_64)
--
-- Host: localhost    Database: liberator
-- ------------------------------------------------------
-- Server version	11.4.2-MariaDB-ubu2404

/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!40101 SET @OLD_CHARACTER_SET_RESULTS=@@CHARACTER_SET_RESULTS */;
/*!40101 SET @OLD_COLLATION_CONNECTION=@@COLLATION_CONNECTION */;
/*!40101 SET NAMES utf8mb4 */;
/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;
/*!40103 SET TIME_ZONE='+00:00' */;
/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;
/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;
/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;
/*M!100616 SET @OLD_NOTE_VERBOSITY=@@NOTE_VERBOSITY, NOTE_VERBOSITY=0 */;

--
-- Table structure for table `permits`
--

DROP TABLE IF EXISTS `permits`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `permits` (
  `permit_id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `vrm` char(8) NOT NULL,
  `zone` set('A','B','C,D') DEFAULT 'A',
  `valid_from` date NOT NULL DEFAULT '0000-00-00',
  `valid_to` timestamp NULL DEFAULT current_timestamp() ON UPDATE current_timestamp(),
  `price` float(7,2) DEFAULT NULL,
  `vrm_len` int(11) AS (char_length(`vrm`)) PERSISTENT,
  `vrm_lower` varchar(8) AS (lcase(`vrm`)) VIRTUAL,
  `meta` longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin DEFAULT NULL CHECK (json_valid(`meta`)),
  PRIMARY KEY (`permit_id`)
) ENGINE=InnoDB AUTO_INCREMENT=3 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
/*!40101 SET character_set_client = @saved_cs_client */;

--
-- Dumping data for table `permits`
--

LOCK TABLES `permits` WRITE;
/*!40000 ALTER TABLE `permits` DISABLE KEYS */;
INSERT INTO `permits` VALUES (1,'AB12CDE','A,C,D','2026-01-01','2026-11-24 03:00:00',12.5,7,'ab12cde','{\"k\": \"v\"}'),
(2,'ZZ99ZZZ','','2026-02-01',NULL,NULL,7,'zz99zzz',NULL);
/*!40000 ALTER TABLE `permits` ENABLE KEYS */;
UNLOCK TABLES;

--
-- Temporary table structure for view `v_permits`
--

DROP TABLE IF EXISTS `v_permits`;
/*!50001 DROP VIEW IF EXISTS `v_permits`*/;
SET @saved_cs_client     = @@character_set_client;
SET character_set_client = utf8mb4;
/*!50001 CREATE TABLE `v_permits` (
  `permit_id` tinyint NOT NULL,
  `vrm` tinyint NOT NULL
) ENGINE=MyISAM */;
SET character_set_client = @saved_cs_client;
/*!50003 SET @saved_cs_client      = @@character_set_client */ ;
/*!50003 SET @saved_sql_mode       = @@sql_mode */ ;
DELIMITER ;;
/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER `permits_bi` BEFORE INSERT ON `permits` FOR EACH ROW
BEGIN
  IF NEW.vrm = '' THEN SET NEW.vrm = 'UNKNOWN'; END IF;
END */;;
DELIMITER ;
/*!50003 SET sql_mode              = @saved_sql_mode */ ;

--
-- Dumping events for database 'liberator'
--

DELIMITER ;;
/*!50106 CREATE*/ /*!50117 DEFINER=`root`@`localhost`*/ /*!50106 EVENT `nightly` ON SCHEDULE EVERY 1 DAY STARTS '2026-01-01 00:00:00' ON COMPLETION NOT PRESERVE ENABLE DO DELETE FROM permits WHERE valid_to < NOW() */ ;;
DELIMITER ;

--
-- Dumping routines for database 'liberator'
--
/*!50003 DROP FUNCTION IF EXISTS `fee` */;
DELIMITER ;;
CREATE DEFINER=`root`@`localhost` FUNCTION `fee`(d INT) RETURNS decimal(10,2)
    DETERMINISTIC
RETURN d * 1.5 ;;
DELIMITER ;

--
-- Final view structure for view `v_permits`
--

/*!50001 DROP TABLE IF EXISTS `v_permits`*/;
/*!50001 DROP VIEW IF EXISTS `v_permits`*/;
/*!50001 SET @saved_cs_client          = @@character_set_client */;
/*!50001 SET character_set_client      = utf8mb4 */;
/*!50001 CREATE ALGORITHM=UNDEFINED */
/*!50013 DEFINER=`root`@`localhost` SQL SECURITY DEFINER */
/*!50001 VIEW `v_permits` AS select `permits`.`permit_id` AS `permit_id`,`permits`.`vrm` AS `vrm` from `permits` */;
/*!50001 SET character_set_client      = @saved_cs_client */;
/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;

/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;
/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;
/*!40014 SET UNIQUE_CHECKS=@OLD_UNIQUE_CHECKS */;
/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;
/*!40101 SET CHARACTER_SET_RESULTS=@OLD_CHARACTER_SET_RESULTS */;
/*!40101 SET COLLATION_CONNECTION=@OLD_COLLATION_CONNECTION */;
/*M!100616 SET NOTE_VERBOSITY=@OLD_NOTE_VERBOSITY */;

-- Dump completed on 2026-11-24  3:15:00
