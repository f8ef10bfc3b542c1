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
  `id` int unsigned NOT NULL AUTO_INCREMENT,
  `pcn` varchar(20) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '',
  `issued` datetime(6) DEFAULT NULL,
  `amount` decimal(10,2) NOT NULL DEFAULT '0.00',
  `status` enum('open','paid','can''t pay','it\'s') NOT NULL DEFAULT 'open',
  `note` text CHARACTER SET latin1 COLLATE latin1_swedish_ci,
  `flags` bit(3) DEFAULT b'101',
  `photo` blob,
  `amount_x2` decimal(11,2) GENERATED ALWAYS AS ((`amount` * 2)) VIRTUAL,
  PRIMARY KEY (`id`),
  KEY `idx_pcn` (`pcn`),
  CONSTRAINT `chk` CHECK ((`amount` >= 0))
) ENGINE=InnoDB AUTO_INCREMENT=4 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci;
/*!40101 SET character_set_client = @saved_cs_client */;

--
-- Dumping data for table `PCN_IC`
--

LOCK TABLES `PCN_IC` WRITE;
/*!40000 ALTER TABLE `PCN_IC` DISABLE KEYS */;
INSERT INTO `PCN_IC` (`id`, `pcn`, `issued`, `amount`, `status`, `note`, `flags`, `photo`) VALUES (1,'AB12345','2026-11-24 08:15:00.000000',65.00,'open','line1\nline2 \'q\' \\ 50\% a\_b',_binary '\0',_binary 'PNG\0\r\n'),(2,'CD 678','2026-11-24 09:00:00.000000',35.50,'can\'t pay',NULL,0x02,NULL),(3,'EF,(9)','0000-00-00 00:00:00.000000',-1.00,'it''s','',b'11',X'CAFE');
/*!40000 ALTER TABLE `PCN_IC` ENABLE KEYS */;
UNLOCK TABLES;

--
-- Temporary view structure for view `v_open`
--

DROP TABLE IF EXISTS `v_open`;
/*!50001 DROP VIEW IF EXISTS `v_open`*/;
SET @saved_cs_client     = @@character_set_client;
/*!50503 SET character_set_client = utf8mb4 */;
/*!50001 CREATE VIEW `v_open` AS SELECT 
 1 AS `id`,
 1 AS `pcn`*/;
SET character_set_client = @saved_cs_client;

--
-- Dumping routines for database 'liberator'
--
/*!50003 DROP PROCEDURE IF EXISTS `purge_old` */;
/*!50003 SET @saved_cs_client      = @@character_set_client */ ;
/*!50003 SET @saved_sql_mode       = @@sql_mode */ ;
DELIMITER ;;
CREATE DEFINER=`root`@`localhost` PROCEDURE `purge_old`(IN days INT)
BEGIN
  DELETE FROM `PCN_IC` WHERE issued < NOW() - INTERVAL days DAY; -- old ones
  SELECT 'done;' AS msg;
END ;;
DELIMITER ;
/*!50003 SET sql_mode              = @saved_sql_mode */ ;

--
-- Dumping triggers... (mysqldump writes them after the table data)
--
/*!50003 SET @saved_cs_client      = @@character_set_client */ ;
DELIMITER ;;
/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER `pcn_upper` BEFORE INSERT ON `PCN_IC` FOR EACH ROW SET NEW.pcn = UPPER(NEW.pcn) */;;
DELIMITER ;

--
-- Final view structure for view `v_open`
--

/*!50001 DROP VIEW IF EXISTS `v_open`*/;
/*!50001 SET @saved_cs_client          = @@character_set_client */;
/*!50001 CREATE ALGORITHM=UNDEFINED */
/*!50013 DEFINER=`root`@`localhost` SQL SECURITY DEFINER */
/*!50001 VIEW `v_open` AS select `PCN_IC`.`id` AS `id`,`PCN_IC`.`pcn` AS `pcn` from `PCN_IC` where (`PCN_IC`.`status` = 'open') */;
/*!50001 SET character_set_client      = @saved_cs_client */;
/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;

/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;
/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;
/*!40014 SET UNIQUE_CHECKS=@OLD_UNIQUE_CHECKS */;
/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;
/*!40101 SET CHARACTER_SET_RESULTS=@OLD_CHARACTER_SET_RESULTS */;
/*!40101 SET COLLATION_CONNECTION=@OLD_COLLATION_CONNECTION */;
/*!40111 SET SQL_NOTES=@OLD_SQL_NOTES */;

-- Dump completed on 2026-11-24  3:15:00
