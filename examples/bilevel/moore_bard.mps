NAME          moore_bard
ROWS
 N  OBJ
 L  R0
 L  R1
 L  R2
 G  R3
COLUMNS
    MARKER    'MARKER'   'INTORG'
    x         OBJ       -1   R0   -25
    x         R1        1    R2   2
    x         R3        2
    y         OBJ       -10  R0   20
    y         R1        2    R2   -1
    y         R3        10
    MARKER    'MARKER'   'INTEND'
RHS
    RHS       R0        30   R1   10
    RHS       R2        15   R3   15
BOUNDS
 LI BND       x         0
 LI BND       y         0
ENDATA
