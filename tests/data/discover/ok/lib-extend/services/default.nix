{ lib, ... }:
{
  imports = lib.my.filesIn ./.;
}
