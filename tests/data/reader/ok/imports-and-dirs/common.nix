{ timeZone = "UTC"; backupSchedule = "02:00"; }
