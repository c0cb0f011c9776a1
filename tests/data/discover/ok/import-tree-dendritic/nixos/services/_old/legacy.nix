{ atelier.services.legacy.enable = throw "never read: under a `_` directory"; }
