{ mods, ... }:
{
  imports = [ mods.base mods.gallery ];
  atelier.services.gallery.enable = true;
  atelier.services.ledger.enable = true;
}
