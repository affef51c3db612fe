/** The app page: hosts <taskmem-agent>; everything else lives in the element. */
import './ui/taskmem-agent';
