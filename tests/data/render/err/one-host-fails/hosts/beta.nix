{ atelier.services.kv = { enable = true; dataDir = "relative/kv"; }; }
