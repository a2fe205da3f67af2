/* never
 closed