#include <stdio.h>
int main(void)
{
	puts("c1onboard " C1_VERSION);
	return 0;
}
