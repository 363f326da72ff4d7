/* The tiny program that fork_exec execs: it only exits. */
int main(void)
{
	return 0;
}
