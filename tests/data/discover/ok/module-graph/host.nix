{ lib, ... }:
{
  # The host moves the gallery to the big disk; mkForce wins over mkDefault.
  atelier.services.gallery.dataDir = lib.mkForce "/srv/gallery";
  atelier.services.gallery.user = lib.mkDefault "photos";
}
