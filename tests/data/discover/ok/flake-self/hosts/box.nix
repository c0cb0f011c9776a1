{ atelier.services.photos.enable = true; }
