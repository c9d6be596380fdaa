"""The Excel forms departments fill in (填报模板): the indicator reporting form (write it;
import it as parse → validate → store) and the task progress form, with their layout and
cell parsing."""
