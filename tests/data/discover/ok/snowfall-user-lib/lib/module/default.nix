{ lib, ... }:
{
  paths.dataOf = name: "/var/lib/${lib.toLower name}";
}
