-- MySQL dump 10.13  Distrib 8.4.0, for Linux (x86_64)
--
-- Host: localhost    Database: liberator
-- ------------------------------------------------------
-- Server version	8.4.0

/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!40101 SET @OLD_CHARACTER_SET_RESULTS=@@CHARACTER_SET_RESULTS */;
/*!40101 SET @OLD_COLLATION_CONNECTION=@@COLLATION_CONNECTION */;
/*!50503 SET NAMES utf8mb4 */;
/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;
/*!40103 SET TIME_ZONE='+00:00' */;
/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;
/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;
/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;
/*!40111 SET @OLD_SQL_NOTES=@@SQL_NOTES, SQL_NOTES=0 */;

--
-- Table structure for table `PCN_IC`
--

DROP TABLE IF EXISTS `PCN_IC`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!50503 SET character_set_client = utf8mb4 */;
CREATE TABLE `PCN_IC` (
  `id` int NOT NULL AUTO_INCREMENT,
  `i8` tinyint DEFAULT NULL,
  `u8` tinyint unsigned DEFAULT NULL,
  `b1` tinyint(1) DEFAULT NULL,
  `i16` smallint DEFAULT NULL,
  `u16` smallint unsigned DEFAULT NULL,
  `i24` mediumint DEFAULT NULL,
  `u24` mediumint unsigned DEFAULT NULL,
  `i32` int DEFAULT NULL,
  `u32` int unsigned DEFAULT NULL,
  `i64` bigint DEFAULT NULL,
  `u64` bigint unsigned DEFAULT NULL,
  `yr` year DEFAULT NULL,
  `d5` decimal(5,2) DEFAULT NULL,
  `d15` decimal(15,3) DEFAULT NULL,
  `d30` decimal(30,10) DEFAULT NULL,
  `d50` decimal(50,5) DEFAULT NULL,
  `f` float DEFAULT NULL,
  `dbl` double DEFAULT NULL,
  `bit1` bit(1) DEFAULT NULL,
  `bit12` bit(12) DEFAULT NULL,
  `bin4` binary(4) DEFAULT NULL,
  `vb` varbinary(20) DEFAULT NULL,
  `bl` blob,
  `geo` geometry DEFAULT NULL,
  `c` char(5) COLLATE utf8mb4_0900_ai_ci DEFAULT NULL,
  `vc` varchar(100) NOT NULL DEFAULT '',
  `tx` text,
  `en` enum('a','b c','d''e') DEFAULT NULL,
  `st` set('x','y','z') DEFAULT NULL,
  `js` json DEFAULT NULL,
  `dt` date DEFAULT NULL,
  `tm` time DEFAULT NULL,
  `tm6` time(6) DEFAULT NULL,
  `dtm` datetime DEFAULT NULL,
  `dtm6` datetime(6) DEFAULT NULL,
  `ts` timestamp NULL DEFAULT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB AUTO_INCREMENT=5 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci;
/*!40101 SET character_set_client = @saved_cs_client */;

--
-- Dumping data for table `PCN_IC`
--

LOCK TABLES `PCN_IC` WRITE;
/*!40000 ALTER TABLE `PCN_IC` DISABLE KEYS */;
INSERT INTO `PCN_IC` VALUES (1,-128,255,1,-32768,65535,-8388608,16777215,-2147483648,4294967295,-9223372036854775808,18446744073709551615,2026,-123.45,123456789012.345,12345678901234567890.0123456789,123456789012345678901234567890123456789012345.12345,1.5,-2.2250738585072014e-308,0x01,0x0ABC,0x00FF0A00,0x00010203,_binary 'a\0b\'c\\d',0x000000000101000000000000000000F03F0000000000000040,'abc','it''s \"q\" \\ é 😀','line1\nline2\ttab','b c','x,z','{\"k\": [1, 2.5, \"v\"]}','2026-11-24','-838:59:59','12:00:00.250000','2026-11-24 03:15:00','2026-11-24 03:15:00.123456','2026-11-24 03:15:00'),(2,NULL,NULL,2,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,'',NULL,NULL,NULL,NULL,'0000-00-00',NULL,NULL,'0000-00-00 00:00:00',NULL,'0000-00-00 00:00:00'),(3,127,0,-1,32767,0,8388607,0,2147483647,0,9223372036854775807,0,1901,0.00,-0.001,-0.0000000001,-0.00001,1e-05,1.7976931348623157e308,0x00,0x0000,0x00000000,'','',NULL,'','x',NULL,'d''e','',NULL,'2026-00-15','838:59:59','00:00:00.000001','1000-01-01 00:00:00','9999-12-31 23:59:59.999999','2038-01-19 03:14:07');
INSERT INTO `PCN_IC` VALUES (4,0,1,0,0,1,0,1,0,1,0,1,2000,1.00,1.000,1.0000000000,1.00000,-3.40282e38,0.1,0x01,0x0FFF,0x61626364,X'','',0x000000000101000000000000000000F03F0000000000000040,'a','b','c','a','x,y,z','[]','1970-01-01','00:00:00','-01:02:03.500000','1970-01-01 00:00:00','2000-02-29 12:34:56.000001','1970-01-01 00:00:01');
/*!40000 ALTER TABLE `PCN_IC` ENABLE KEYS */;
UNLOCK TABLES;

--
-- Table structure for table `empty_table`
--

DROP TABLE IF EXISTS `empty_table`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!50503 SET character_set_client = utf8mb4 */;
CREATE TABLE `empty_table` (
  `k` varchar(10) NOT NULL,
  `v` int DEFAULT NULL,
  PRIMARY KEY (`k`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci;
/*!40101 SET character_set_client = @saved_cs_client */;

--
-- Table structure for table `liberator_fpn_notes`
--

DROP TABLE IF EXISTS `liberator_fpn_notes`;
CREATE TABLE `liberator_fpn_notes` (
  `id` bigint unsigned NOT NULL,
  `note` varchar(50) DEFAULT NULL,
  PRIMARY KEY (`id`)
) ENGINE=MyISAM DEFAULT CHARSET=latin1;

LOCK TABLES `liberator_fpn_notes` WRITE;
/*!40000 ALTER TABLE `liberator_fpn_notes` DISABLE KEYS */;
INSERT INTO `liberator_fpn_notes` (`id`, `note`) VALUES (1,'first');
INSERT INTO `liberator_fpn_notes` (`id`, `note`) VALUES (2,'second; with -- dashes');
INSERT INTO `liberator_fpn_notes` (`id`, `note`) VALUES (3,NULL);
/*!40000 ALTER TABLE `liberator_fpn_notes` ENABLE KEYS */;
UNLOCK TABLES;

--
-- Table structure for table `gen_cols`
--

DROP TABLE IF EXISTS `gen_cols`;
CREATE TABLE `gen_cols` (
  `id` int NOT NULL,
  `price` decimal(8,2) NOT NULL,
  `vat` decimal(8,2) GENERATED ALWAYS AS ((`price` * 0.2)) VIRTUAL,
  `total` decimal(8,2) GENERATED ALWAYS AS ((`price` * 1.2)) STORED,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci;

LOCK TABLES `gen_cols` WRITE;
INSERT INTO `gen_cols` (`id`, `price`) VALUES (1,10.00),(2,0.50);
UNLOCK TABLES;

--
-- Temporary view structure for view `v_notes`
--

DROP TABLE IF EXISTS `v_notes`;
/*!50001 DROP VIEW IF EXISTS `v_notes`*/;
SET @saved_cs_client     = @@character_set_client;
/*!50503 SET character_set_client = utf8mb4 */;
/*!50001 CREATE VIEW `v_notes` AS SELECT 
 1 AS `id`*/;
SET character_set_client = @saved_cs_client;
/*!50003 SET @saved_cs_client      = @@character_set_client */ ;
/*!50003 SET @saved_cs_results     = @@character_set_results */ ;
/*!50003 SET @saved_col_connection = @@collation_connection */ ;
/*!50003 SET character_set_client  = utf8mb4 */ ;
/*!50003 SET character_set_results = utf8mb4 */ ;
/*!50003 SET collation_connection  = utf8mb4_0900_ai_ci */ ;
/*!50003 SET @saved_sql_mode       = @@sql_mode */ ;
/*!50003 SET sql_mode              = 'ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION' */ ;
DELIMITER ;;
/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER `notes_bi` BEFORE INSERT ON `liberator_fpn_notes` FOR EACH ROW SET NEW.note = UPPER(NEW.note) */;;
DELIMITER ;
/*!50003 SET sql_mode              = @saved_sql_mode */ ;
/*!50003 SET character_set_client  = @saved_cs_client */ ;
/*!50003 SET character_set_results = @saved_cs_results */ ;
/*!50003 SET collation_connection  = @saved_col_connection */ ;

--
-- Final view structure for view `v_notes`
--

/*!50001 DROP VIEW IF EXISTS `v_notes`*/;
/*!50001 SET @saved_cs_client          = @@character_set_client */;
/*!50001 SET @saved_cs_results         = @@character_set_results */;
/*!50001 SET @saved_col_connection     = @@collation_connection */;
/*!50001 SET character_set_client      = utf8mb4 */;
/*!50001 SET character_set_results     = utf8mb4 */;
/*!50001 SET collation_connection      = utf8mb4_0900_ai_ci */;
/*!50001 CREATE ALGORITHM=UNDEFINED */
/*!50013 DEFINER=`root`@`localhost` SQL SECURITY DEFINER */
/*!50001 VIEW `v_notes` AS select `liberator_fpn_notes`.`id` AS `id` from `liberator_fpn_notes` */;
/*!50001 SET character_set_client      = @saved_cs_client */;
/*!50001 SET character_set_results     = @saved_cs_results */;
/*!50001 SET collation_connection      = @saved_col_connection */;
/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;

/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;
/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;
/*!40014 SET UNIQUE_CHECKS=@OLD_UNIQUE_CHECKS */;
/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;
/*!40101 SET CHARACTER_SET_RESULTS=@OLD_CHARACTER_SET_RESULTS */;
/*!40101 SET COLLATION_CONNECTION=@OLD_COLLATION_CONNECTION */;
/*!40111 SET SQL_NOTES=@OLD_SQL_NOTES */;

-- Dump completed on 2026-11-24  3:15:00
