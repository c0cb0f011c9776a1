{ lib, ... }:
{
  atelier.services.shop.enable = true;
  atelier.services.shop.mediaDir = "uploads";
}
