NAME          production
* Two products on three machines: maximise profit (as a minimisation of -profit).
ROWS
 N  profit
 L  cutting
 L  welding
 L  painting
COLUMNS
    chairs    profit       -45.0   cutting        2.0
    chairs    welding        1.0   painting       3.0
    tables    profit       -80.0   cutting        4.0
    tables    welding        3.0   painting       2.0
RHS
    rhs       cutting       80.0   welding       45.0
    rhs       painting      90.0
BOUNDS
 UP bnd       tables        12.0
ENDATA
