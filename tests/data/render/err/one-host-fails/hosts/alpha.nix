{ atelier.services.kv.enable = true; }
