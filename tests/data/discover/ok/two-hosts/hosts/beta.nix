{ atelier.services.kv = { enable = true; dataDir = "/data/kv"; user = "keyvalue"; }; }
