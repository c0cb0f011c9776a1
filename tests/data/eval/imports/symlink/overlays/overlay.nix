import ../lib
